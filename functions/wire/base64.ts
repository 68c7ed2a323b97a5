const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64, padded to a multiple of 4 characters (what Node's decoder would not silently skip). */
export function isPaddedBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}
