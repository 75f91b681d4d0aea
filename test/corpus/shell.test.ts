import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { processWord, processWords } from 'dockwright';
import { CORPUS, describeWithCorpus } from './corpus.js';

describeWithCorpus("conformance with BuildKit's shell lexer", () => {
  test('every Unix row of shell/envVarTest', () => {
    // BuildKit's TestShellParser4EnvVars runs with exactly these variables set.
    const env = new Map([
      ['PWD', '/home'],
      ['SHELL', 'bash'],
      ['KOREAN', '한국어'],
      ['NULL', ''],
    ]);
    const rows = readFileSync(join(CORPUS, 'shell', 'envVarTest'), 'utf8').split('\n');
    let checked = 0;
    for (const [index, line] of rows.entries()) {
      const trimmed = line.replace(/^\s+/, '');
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const [platform, source, expected] = trimmed.split('|').map((part) => part.trim());
      if (platform === 'W') continue;
      const where = `envVarTest line ${index + 1}: ${source}`;
      if (expected === 'error') expect(() => processWord(source!, env), where).toThrow();
      else expect(processWord(source!, env), where).toBe(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  test('every row of shell/wordsTest', () => {
    const env = new Map<string, string>();
    const rows = readFileSync(join(CORPUS, 'shell', 'wordsTest'), 'utf8').split('\n');
    let checked = 0;
    for (const [index, line] of rows.entries()) {
      if (line.startsWith('#') || line === '') continue;
      if (line.startsWith('ENV ')) {
        const assignment = line.slice(3).replace(/^ +/, '');
        const eq = assignment.indexOf('=');
        env.set(assignment.slice(0, eq), assignment.slice(eq + 1));
        continue;
      }
      const [source, expectedText] = line.split('|');
      const expected = expectedText!.replace(/^ +/, '').split(',');
      let actual: string[];
      try {
        actual = processWords(source!.trim(), env);
      } catch {
        actual = ['error'];
      }
      expect(actual, `wordsTest line ${index + 1}: ${source}`).toEqual(expected);
      checked++;
    }
    expect(checked).toBe(rows.filter((row) => row.includes('|') && !row.startsWith('#')).length);
  });
});
