import type { Rule } from './rule.js';
import { CircularStageDependency } from './rules/circular-stage-dependency.js';
import { ConflictingArgDefault } from './rules/conflicting-arg-default.js';
import { CopySourceOutsideContext } from './rules/copy-source-outside-context.js';
import { DuplicateStageName } from './rules/duplicate-stage-name.js';
import { EmptyValue } from './rules/empty-value.js';
import { ExposeInvalidFormat } from './rules/expose-invalid-format.js';
import { ExposeProtoCasing } from './rules/expose-proto-casing.js';
import { FromPlatformFlagConstDisallowed } from './rules/from-platform-flag-const-disallowed.js';
import { ImageReferenceIsStageName } from './rules/image-reference-is-stage-name.js';
import { InvalidDefaultArgInFrom } from './rules/invalid-default-arg-in-from.js';
import { InvalidDirective } from './rules/invalid-directive.js';
import { InvalidFlagValue } from './rules/invalid-flag-value.js';
import { InvalidImageReference } from './rules/invalid-image-reference.js';
import { InvalidName } from './rules/invalid-name.js';
import { InvalidOnbuildTrigger } from './rules/invalid-onbuild-trigger.js';
import { InvalidPort } from './rules/invalid-port.js';
import { InvalidStageName } from './rules/invalid-stage-name.js';
import { JSONArgsRecommended } from './rules/json-args-recommended.js';
import { LineTooLong } from './rules/line-too-long.js';
import { MaintainerDeprecated } from './rules/maintainer-deprecated.js';
import { MissingFrom } from './rules/missing-from.js';
import { MultipleInstructionsDisallowed } from './rules/multiple-instructions-disallowed.js';
import { MultipleSourcesNeedDirectory } from './rules/multiple-sources-need-directory.js';
import { RedundantTargetPlatform } from './rules/redundant-target-platform.js';
import { ReservedStageName } from './rules/reserved-stage-name.js';
import { SecretsUsedInArgOrEnv } from './rules/secrets-used-in-arg-or-env.js';
import { UndefinedArgInFrom } from './rules/undefined-arg-in-from.js';
import { UndefinedVar } from './rules/undefined-var.js';
import { UnencodableValue } from './rules/unencodable-value.js';
import { UnknownStageReference } from './rules/unknown-stage-reference.js';
import { WorkdirRelativePath } from './rules/workdir-relative-path.js';

/** Every rule, BuildKit's first (same names as BuildKit), then dockwright's own. */
export const rules: readonly Rule[] = Object.freeze([
  MultipleInstructionsDisallowed,
  DuplicateStageName,
  ReservedStageName,
  WorkdirRelativePath,
  UndefinedVar,
  UndefinedArgInFrom,
  SecretsUsedInArgOrEnv,
  ExposeInvalidFormat,
  ExposeProtoCasing,
  JSONArgsRecommended,
  RedundantTargetPlatform,
  MaintainerDeprecated,
  InvalidDefaultArgInFrom,
  FromPlatformFlagConstDisallowed,
  MissingFrom,
  UnknownStageReference,
  CircularStageDependency,
  EmptyValue,
  InvalidPort,
  InvalidStageName,
  InvalidImageReference,
  ImageReferenceIsStageName,
  CopySourceOutsideContext,
  MultipleSourcesNeedDirectory,
  InvalidOnbuildTrigger,
  UnencodableValue,
  InvalidName,
  InvalidFlagValue,
  ConflictingArgDefault,
  InvalidDirective,
  LineTooLong,
]);
