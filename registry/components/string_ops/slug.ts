// Slugs for URLs and keys: lowercase ASCII letters and digits joined by one separator.
// Accented Latin letters fold to their base letter (é → e, ß → ss); other characters act as separators.

// Latin-1 Supplement U+00C0…U+00FF folded to ASCII ("" drops the character, e.g. × and ÷).
const LATIN1: StaticArray<string> = [
  "a",
  "a",
  "a",
  "a",
  "a",
  "a",
  "ae",
  "c",
  "e",
  "e",
  "e",
  "e",
  "i",
  "i",
  "i",
  "i",
  "d",
  "n",
  "o",
  "o",
  "o",
  "o",
  "o",
  "",
  "o",
  "u",
  "u",
  "u",
  "u",
  "y",
  "th",
  "ss",
  "a",
  "a",
  "a",
  "a",
  "a",
  "a",
  "ae",
  "c",
  "e",
  "e",
  "e",
  "e",
  "i",
  "i",
  "i",
  "i",
  "d",
  "n",
  "o",
  "o",
  "o",
  "o",
  "o",
  "",
  "o",
  "u",
  "u",
  "u",
  "u",
  "y",
  "th",
  "y",
];

// Latin Extended-A U+0100…U+017F, one base letter per code point (ĳ and œ are handled apart).
const EXT_A =
  "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

function fold(c: i32): string {
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return String.fromCharCode(c);
  if (c >= 65 && c <= 90) return String.fromCharCode(c + 32);
  if (c >= 0xc0 && c <= 0xff) return LATIN1[c - 0xc0];
  if (c == 0x132 || c == 0x133) return "ij";
  if (c == 0x152 || c == 0x153) return "oe";
  if (c >= 0x100 && c < 0x100 + EXT_A.length) return EXT_A.charAt(c - 0x100);
  return "";
}

/**
 * @example slugify("Crème Brûlée: 2 Ways!", "-") // "creme-brulee-2-ways"
 */
export function slugify(s: string, sep: string): string {
  let out = "";
  let pendingSep = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Apostrophes join words ("don't" → "dont") instead of splitting them.
    if (c == 39 || c == 0x2019) continue;
    const f = fold(c);
    if (f.length == 0) {
      pendingSep = true;
      continue;
    }
    if (pendingSep && out.length > 0) out += sep;
    pendingSep = false;
    out += f;
  }
  return out;
}
