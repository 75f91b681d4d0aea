import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parse, parseRaw, print, ParseError, type ir } from 'dockwright';
import { CORPUS, describeWithCorpus } from './corpus.js';

/** The IR without locations: what a file means. */
const meaning = (file: ir.DockerfileNode): unknown => JSON.parse(JSON.stringify(file, (key, value: unknown) => (key === 'loc' ? undefined : value)));

describeWithCorpus('the corpus, read and written back', () => {
  const names = readdirSync(join(CORPUS, 'testfiles')).sort();
  const read = (name: string): string => readFileSync(join(CORPUS, 'testfiles', name, 'Dockerfile'), 'utf8');

  test.each(names)('%s: printed, it parses to the same IR; or it is refused at a line', (name) => {
    let parsed;
    try {
      parsed = parse(read(name), name);
    } catch (error) {
      // Files Docker itself would refuse to build (e.g. an unterminated quote): named, never dropped.
      expect(error).toBeInstanceOf(ParseError);
      expect((error as ParseError).line).toBeGreaterThan(0);
      return;
    }
    const printed = print(parsed.ir);
    expect(meaning(parse(printed, name).ir)).toEqual(meaning(parsed.ir));
    expect(print(parse(printed, name).ir)).toBe(printed);
  });

  test('most of the corpus reads into the IR', () => {
    const readable = names.filter((name) => {
      try {
        parse(read(name), name);
        return true;
      } catch {
        return false;
      }
    });
    expect(readable.length).toBeGreaterThanOrEqual(23);
  });

  test('fuzz: mutated corpus files and random text only ever raise ParseError', () => {
    const corpus = names.map(read);
    const mutation = fc.tuple(
      fc.nat(),
      fc.nat(),
      fc.string({
        unit: fc.constantFrom(
          '\\',
          '`',
          '"',
          "'",
          '\n',
          '\r',
          '<<',
          'EOF',
          '$',
          '{',
          '}',
          '[',
          ']',
          '#',
          ' ',
          '-',
          '--',
          '=',
          ',',
          'FROM ',
          'RUN ',
          'ONBUILD ',
          '\0',
          '\uFEFF',
          'x',
        ),
        maxLength: 12,
      }),
    );
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), fc.array(mutation, { maxLength: 5 }), fc.string({ maxLength: 60 }), (index, mutations, noise) => {
        let text = corpus[index]!;
        for (const [at, remove, insert] of mutations) {
          const pos = at % (text.length + 1);
          text = text.slice(0, pos) + insert + text.slice(pos + (remove % 4));
        }
        for (const input of [text, noise]) {
          try {
            parseRaw(input);
            parse(input);
          } catch (error) {
            expect(error).toBeInstanceOf(ParseError);
          }
        }
      }),
      { numRuns: Number(process.env.DOCKWRIGHT_FUZZ_RUNS ?? (process.env.CI ? 3000 : 1000)) },
    );
  }, 300_000);
});
