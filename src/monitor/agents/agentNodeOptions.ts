/**
 * The `--require "<agent>"` option that injects the agent, quoted the way Node parses NODE_OPTIONS:
 * inside double quotes a backslash escapes the next character, so backslashes (Windows paths) and
 * double quotes are escaped; spaces need only the quotes.
 */
export function agentRequireOption(agentPath: string): string {
  return `--require "${agentPath.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** NODE_OPTIONS with the agent prepended to what the user already has (unchanged when it is already there). */
export function nodeOptionsWithAgent(agentPath: string, existing: string | undefined): string {
  const option = agentRequireOption(agentPath);
  if (!existing || existing.trim() === '') return option;
  if (existing.includes(option)) return existing;
  return `${option} ${existing}`;
}
