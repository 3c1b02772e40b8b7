/**
 * A tiny glob matcher for catalog `include` patterns, on posix paths:
 *   `*`  any characters except '/'          ('*.json' matches 'config.json', not 'onnx/a.json')
 *   `**` any characters including '/'; as a whole segment ('**' + '/') it also matches no folder
 *   `?`  one character except '/'
 * Everything else is literal. Note: huggingface_hub's allow_patterns use Python's fnmatch,
 * where `*` also crosses '/'; here it does not, as in shell globs and .gitignore.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const atSegmentStart = i === 0 || pattern[i - 1] === '/';
      if (atSegmentStart && pattern[i + 2] === '/') { re += '(?:.*/)?'; i += 2; }
      else { re += '.*'; i += 1; }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** True when `file` matches any of `patterns` (an empty list matches everything). */
export function matchesAny(file: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => globToRegExp(p).test(file));
}
