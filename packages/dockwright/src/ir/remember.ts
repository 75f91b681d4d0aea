/**
 * A test of a string, remembered for the strings it was last asked about. Names and image
 * references repeat from image to image when a script synthesizes many, and the regular
 * expressions behind some tests cost several times a lookup. `test` must be pure.
 */
export function remembered(test: (value: string) => boolean, size = 512): (value: string) => boolean {
  let answers = new Map<string, boolean>();
  return (value) => {
    let answer = answers.get(value);
    if (answer === undefined) {
      answer = test(value);
      // Bounded: start over when full, rather than keep every string a long run saw.
      if (answers.size >= size) answers = new Map();
      answers.set(value, answer);
    }
    return answer;
  };
}
