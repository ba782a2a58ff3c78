/**
 * The `--help` text of an `nbio` command, made from its {@link CommandSpec}: the usage line, the
 * summary, one line per flag (value name, help, default), then the details. Re-exported by
 * `args.ts`.
 * @internal
 * @module
 */
import type { CommandSpec, FlagSpec, Flags } from './command-spec.ts';

/**
 * How a flag's value reads in the usage and in "needs a value" messages (` <n>`, ` <a|b>`).
 * @internal
 */
export function valueName(name: string, spec: FlagSpec): string {
  if (spec.type === 'switch') return '';
  if (spec.type === 'choice') return ` <${spec.choices.join('|')}>`;
  if (spec.type === 'list' && spec.choices !== undefined) return ` <${spec.choices.join(',')}>`;
  return ` <${spec.value ?? (spec.type === 'int' ? 'n' : spec.type === 'int-list' ? 'n,…' : name)}>`;
}

function defaultText(spec: FlagSpec): string {
  if (!('default' in spec) || spec.default === undefined) return '';
  const d = spec.default;
  return ` (default ${Array.isArray(d) ? d.join(',') : String(d)})`;
}

/** The `--help` text of a command. */
export function formatUsage<F extends Flags>(spec: CommandSpec<F>): string {
  const names = Object.keys(spec.flags);
  const short = names
    .map((n) => {
      const s = spec.flags[n];
      return s === undefined ? '' : `[--${n}${valueName(n, s)}]`;
    })
    .join(' ');
  const ops = spec.operands ? ` ${spec.operands.afterDashDash ? '-- ' : ''}${spec.operands.usage}` : '';
  const lines = [`usage: nbio ${spec.name}${short ? ` ${short}` : ''}${ops}`, '', spec.summary];
  if (names.length > 0) {
    lines.push('', 'options:');
    const left = names.map((n) => {
      const s = spec.flags[n];
      return s === undefined ? '' : `  --${n}${valueName(n, s)}`;
    });
    const width = Math.max(...left.map((l) => l.length));
    for (const [i, n] of names.entries()) {
      const s = spec.flags[n];
      if (s !== undefined) lines.push(`${(left[i] ?? '').padEnd(width)}  ${s.help}${defaultText(s)}`);
    }
  }
  lines.push(`  ${'--help'.padEnd(Math.max(6, ...names.map((n) => n.length + 2)))}  this text`);
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n');
}
