import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse, ParseError, resolveStage, stageReferences, type ir } from 'dockwright';
import { cli } from '../../packages/cli/test/helpers.js';
import { CORPUS, describeWithCorpus } from './corpus.js';

/**
 * What Docker's parser sees, after the normalizations the README documents: comments apart,
 * LABEL pairs in key order, global ARGs that no FROM uses dropped, stages the final stage does
 * not need dropped, stage references by position (not by name or index).
 */
function normalize(file: ir.DockerfileNode): { stages: unknown[]; globals: unknown[]; comments: string[] } {
  const refs = stageReferences(file);
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const r of refs.filter((ref) => ref.from === i)) {
      const target = resolveStage(file.stages, r.to);
      if (target !== undefined) visit(target);
    }
  };
  visit(file.stages.length - 1);
  const order = [...needed].sort((a, b) => a - b);
  const position = (name: unknown, before: number): unknown => {
    if (typeof name !== 'string') return name;
    const target = resolveStage(file.stages, name);
    return target !== undefined && (target < before || !/^\d+$/.test(name)) && needed.has(target) ? `#stage${order.indexOf(target)}` : name;
  };
  const comments: string[] = [];
  const strip = (value: unknown, stage: number): unknown =>
    JSON.parse(
      JSON.stringify(value, (key, v: unknown) => {
        if (key === 'loc') return undefined;
        if (key === 'from' && typeof v === 'string') return position(v, stage);
        if (key === 'text' && typeof v === 'string') return v.replace(/^\$([A-Za-z_][A-Za-z0-9_]*)$/, '${$1}'); // $X is ${X}
        return v;
      }),
    );
  const stages = order.map((index) => {
    const stage = file.stages[index]!;
    const instructions = stage.instructions.flatMap((node) => {
      if (node.kind === 'comment') {
        comments.push(node.text);
        return [];
      }
      if (node.kind === 'label') return [{ ...node, pairs: [...node.pairs].sort((a, b) => (a.key < b.key ? -1 : 1)) }];
      // Only the last CMD, ENTRYPOINT and HEALTHCHECK of a stage take effect; import keeps those.
      const later = stage.instructions.slice(stage.instructions.indexOf(node) + 1);
      if (['cmd', 'entrypoint', 'healthcheck'].includes(node.kind) && later.some((n) => n.kind === node.kind)) return [];
      return [node as unknown];
    });
    const image = position(stage.from.image, index);
    return { image, platform: stage.from.platform, instructions: instructions.map((n) => strip(n, index)) };
  });
  const usedInFrom = new Set(file.stages.flatMap((s) => JSON.stringify([s.from.image, s.from.platform]).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []));
  const globals = file.globalArgs.filter((a) => usedInFrom.has(a.name)).map((a) => [a.name, a.default]);
  return { stages, globals, comments: comments.sort() };
}

describeWithCorpus('import: Dockerfile -> TypeScript -> Dockerfile', () => {
  const names = readdirSync(join(CORPUS, 'testfiles')).sort();

  test.each(names)('%s: the synthesized file means what the original meant', async (name) => {
    const original = readFileSync(join(CORPUS, 'testfiles', name, 'Dockerfile'), 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'dockwright-import-'));
    writeFileSync(join(dir, 'Dockerfile'), original);
    let parsed;
    try {
      parsed = parse(original, 'Dockerfile');
    } catch (error) {
      // What the IR cannot hold is refused at a line, by import too, never dropped.
      expect(error).toBeInstanceOf(ParseError);
      const result = await cli(['import', 'Dockerfile'], dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/Dockerfile:\d+: /);
      return;
    }
    const imported = await cli(['import', 'Dockerfile'], dir);
    expect(imported.code, imported.stderr).toBe(0);
    const synthesized = await cli(['synth', '--out', 'out'], dir);
    expect(synthesized.code, synthesized.stderr).toBe(0);
    const regenerated = readFileSync(join(dir, 'out', 'Dockerfile'), 'utf8');
    expect(normalize(parse(regenerated, 'Dockerfile').ir)).toEqual(normalize(parsed.ir));
  });
});
