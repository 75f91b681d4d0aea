import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { dump, parseRaw, ParseError } from 'dockwright';
import { CORPUS, describeWithCorpus } from './corpus.js';

describeWithCorpus('conformance with BuildKit: the raw parse tree', () => {
  const cases = (folder: string): string[] => readdirSync(join(CORPUS, folder)).sort();

  test.each(cases('testfiles'))('testfiles/%s: dump() equals result', (name) => {
    const dockerfile = readFileSync(join(CORPUS, 'testfiles', name, 'Dockerfile'), 'utf8');
    const expected = readFileSync(join(CORPUS, 'testfiles', name, 'result'), 'utf8');
    expect(dump(parseRaw(dockerfile, name))).toBe(expected);
  });

  test.each(cases('testfiles-negative'))('testfiles-negative/%s fails with a ParseError', (name) => {
    const dockerfile = readFileSync(join(CORPUS, 'testfiles-negative', name, 'Dockerfile'), 'utf8');
    expect(() => parseRaw(dockerfile, name)).toThrow(ParseError);
  });

  test('testfile-line: each instruction spans the lines BuildKit reports', () => {
    const dockerfile = readFileSync(join(CORPUS, 'testfile-line', 'Dockerfile'), 'utf8');
    const ranges = parseRaw(dockerfile).nodes.map((n) => [n.startLine, n.endLine]);
    // BuildKit's TestLineInformation (frontend/dockerfile/parser/parser_test.go) expects these.
    expect(ranges).toEqual([
      [5, 5],
      [11, 12],
      [17, 31],
    ]);
  });
});
