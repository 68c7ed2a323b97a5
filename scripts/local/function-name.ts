/**
 * The function a Lambda API path names: `name`, `name:qualifier`, `<account>:function:name[:qualifier]`
 * or a full ARN. Qualifiers are accepted and ignored: locally every function has only `$LATEST`.
 */
const NAME = '([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]+))?';
const FORMS = [
  new RegExp(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:${NAME}$`),
  new RegExp(`^\\d{12}:function:${NAME}$`),
  new RegExp(`^${NAME}$`),
];

export function functionNameOf(identifier: string): string | undefined {
  for (const form of FORMS) {
    const match = form.exec(identifier);
    if (match !== null) return match[1];
  }
  return undefined;
}
