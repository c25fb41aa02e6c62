import { parseChatArgs, runChat } from './chat.js';

const USAGE = `Usage: threadwise <command>

Commands:
  start                       run the Slack bot (the default)
  chat [--channel C…] [--thread NAME]
                              talk to the same turn pipeline in this terminal (needs only OPENAI_API_KEY)
`;

/** The `threadwise` command: the Slack bot, or a local chat with the same pipeline. */
async function main(argv: string[]): Promise<number | undefined> {
  const [command = 'start', ...rest] = argv;
  switch (command) {
    case 'start':
      await import('../main.js');
      return undefined;
    case 'chat': {
      let args;
      try {
        args = parseChatArgs(rest);
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
        return 2;
      }
      return runChat(process.env, args, { input: process.stdin, output: process.stdout, interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) });
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`threadwise failed: ${err.message}\n`);
    process.exitCode = 1;
  },
);
