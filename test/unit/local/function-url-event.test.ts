/**
 * The local Function URL builds a payload 2.0 event from ANY request line, with the path raw
 * (percent-encoded) as Function URLs deliver it: `/%ZZ` used to throw URIError in the emulator (502)
 * before the function ran.
 */
import { describe, expect, it } from 'vitest';
import { functionUrlEvent, splitRequestTarget } from '../../../scripts/local/function-url-event.ts';

describe('splitRequestTarget', () => {
  it.each([
    ['/search', '/search', ''],
    ['/indexes/%E0%A4', '/indexes/%E0%A4', ''],
    ['/%ZZ?x=%ZZ&y', '/%ZZ', 'x=%ZZ&y'],
    ['/a?b?c', '/a', 'b?c'],
    ['/a#frag', '/a', ''],
    ['//double', '//double', ''],
    ['http://host:99/p?q=1', '/p', 'q=1'],
    ['http://host?q=1', '/', 'q=1'],
    ['*', '/', ''],
    ['garbage', '/', ''],
  ])('%s → path %s, query %s', (target, path, query) => {
    expect(splitRequestTarget(target)).toEqual({ path, query });
  });
});

describe('functionUrlEvent', () => {
  it('passes the raw path and decodes only query parameters, without throwing on bad escapes', () => {
    const event = functionUrlEvent({
      method: 'GET',
      url: '/indexes/%25E0%25A4/%ZZ?a=%ZZ&a=b%20c',
      headers: { host: 'localhost' },
      body: Buffer.alloc(0),
      sourceIp: '127.0.0.1',
      urlId: 'u',
      requestId: 'r',
    });
    expect(event.rawPath).toBe('/indexes/%25E0%25A4/%ZZ');
    expect(event.requestContext.http.path).toBe('/indexes/%25E0%25A4/%ZZ');
    expect(event.rawQueryString).toBe('a=%ZZ&a=b%20c');
    expect(event.queryStringParameters).toEqual({ a: '%ZZ,b c' });
  });
});
