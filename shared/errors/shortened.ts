/**
 * Text taken from the input (a path, a name, a validation message quoting keys), cut to `max`
 * characters for an error message, so that an error never echoes megabytes back.
 */
export function shortened(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}
