/**
 * A generated Markdown table as Biome leaves it, compared without its padding: Biome pads table cells
 * and lengthens the rules under the header when it formats a checked-in doc.
 */
export function unpadded(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => (/^\|[\s|:-]+\|$/.test(line) ? line.replace(/-+/g, '---') : line))
    .join('\n')
    .replace(/ {2,}/g, ' ');
}
