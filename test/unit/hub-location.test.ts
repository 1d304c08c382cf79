/**
 * The rule that tells a Hub id from a folder: URLs by scheme, then exactly `owner/name` (Hub
 * repository naming), else a local path (Node) — and the resolve URLs a Hub id's files get.
 */
import { describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors.ts';
import { hubFolderUrl, isHubId, resolveModelLocation } from '../../src/hub/model-location.ts';

describe('isHubId', () => {
  it.each(['Qwen/Qwen2.5-0.5B-Instruct', 'test-org/qwen2-bf16', 'a/b', 'meta-llama/Llama-3.2-1B', 'org_1/model.v2'])('%s is a Hub id', (id) => {
    expect(isHubId(id)).toBe(true);
  });

  it.each([
    ['a folder with two levels', 'models/qwen/v1'],
    ['an explicit relative path', './Qwen/Qwen2.5'],
    ['an absolute path', '/Qwen/Qwen2.5'],
    ['a parent path', '../Qwen'],
    ['dots as a name', 'Qwen/..'],
    ['a double dot inside', 'Qwen/a..b'],
    ['a trailing slash', 'Qwen/Qwen2.5/'],
    ['a single name', 'Qwen2.5'],
    ['a URL', 'https://huggingface.co/Qwen/Qwen2.5'],
    ['a Windows path', 'C:\\models\\qwen'],
    ['a name ending in a dot', 'Qwen/model.'],
    ['spaces', 'Qwen/my model'],
  ])('%s is not (%s)', (_label, model) => {
    expect(isHubId(model)).toBe(false);
  });
});

describe('resolveModelLocation', () => {
  it('resolves a Hub id under hubUrl/<id>/resolve/<revision>/', () => {
    expect(resolveModelLocation('Qwen/Qwen2.5-0.5B-Instruct')).toEqual({
      kind: 'hub',
      location: 'Qwen/Qwen2.5-0.5B-Instruct',
      id: 'Qwen/Qwen2.5-0.5B-Instruct',
      revision: 'main',
      url: 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/resolve/main/',
    });
    const local = resolveModelLocation('test-org/qwen2-bf16', { hubUrl: 'http://127.0.0.1:9999/', revision: 'refs/pr/1' });
    expect(local).toMatchObject({ kind: 'hub', url: 'http://127.0.0.1:9999/test-org/qwen2-bf16/resolve/refs%2Fpr%2F1/' });
    expect(new URL('config.json', hubFolderUrl('a/b', { revision: 'v1.0' })).href).toBe('https://huggingface.co/a/b/resolve/v1.0/config.json');
  });

  it('keeps URLs as folders and, in Node, other strings as local paths', () => {
    expect(resolveModelLocation('http://host/models/qwen')).toEqual({ kind: 'url', location: 'http://host/models/qwen', url: 'http://host/models/qwen/' });
    expect(resolveModelLocation(new URL('https://host/m/'))).toMatchObject({ kind: 'url', url: 'https://host/m/' });
    expect(resolveModelLocation('file:///tmp/m')).toMatchObject({ kind: 'local', path: 'file:///tmp/m', isFileUrl: true });
    expect(resolveModelLocation('./Qwen/Qwen2.5')).toMatchObject({ kind: 'local', path: './Qwen/Qwen2.5', isFileUrl: false });
    expect(resolveModelLocation('/abs/Qwen/Qwen2.5')).toMatchObject({ kind: 'local' });
  });

  it('refuses a hubUrl that is not http(s) and an empty revision', () => {
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (caught) {
        return caught;
      }
      return undefined;
    };
    expect(isLlmError(error(() => resolveModelLocation('a/b', { hubUrl: 'ftp://x' })), 'invalid_argument')).toBe(true);
    expect(isLlmError(error(() => resolveModelLocation('a/b', { revision: '' })), 'invalid_argument')).toBe(true);
  });
});
