import { type ChannelSettingsInput, DEFAULT_INSTRUCTIONS, type FileConfig } from './file-schema.js';
import type { ReasoningEffort } from './models.js';
import type { ToolName } from './tools-schema.js';

export interface ChannelSettings {
  instructions: string;
  model: string;
  maxOutputTokens: number;
  requireMention: boolean;
  imageDetail: 'low' | 'high' | 'auto';
  /** Tools allowed here; undefined: every configured tool. */
  tools?: readonly ToolName[];
  /** Reasoning models: the effort asked for (the adapter sends the nearest the model accepts); unset: its lowest. */
  reasoningEffort?: ReasoningEffort;
  /** Reasoning models: ask for a reasoning summary (shown as the status); unset: none. */
  reasoningSummary?: 'auto' | 'concise' | 'detailed';
  /** MCP servers (labels) allowed here; undefined: every configured server. */
  mcpServers?: readonly string[];
  /** Answer only from what search_knowledge finds; nothing found → say so instead of answering. */
  answerOnlyFromSources?: true;
  /** Whether answers are also sent to the channel (never in DMs). */
  answerVisibility: 'thread' | 'broadcast';
}

const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

/** Resolves the effective settings of a conversation: built-ins ← defaults ← dm or channel entry. */
export function channelSettings(file: FileConfig, envModel: string, channel: string, isDm: boolean): ChannelSettings {
  const layers: ChannelSettingsInput[] = [file.defaults, isDm ? file.dm : (file.channels[channel] ?? {})];
  const merged = Object.assign({}, ...layers) as ChannelSettingsInput;
  const effort = merged.reasoning_effort ?? file.openai.reasoning_effort;
  return {
    instructions: merged.instructions ?? DEFAULT_INSTRUCTIONS,
    model: merged.model ?? envModel,
    maxOutputTokens: merged.max_output_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
    requireMention: merged.require_mention ?? false,
    imageDetail: merged.image_detail ?? 'auto',
    ...(merged.tools ? { tools: merged.tools } : {}),
    ...(effort ? { reasoningEffort: effort } : {}),
    ...(merged.reasoning_summary ? { reasoningSummary: merged.reasoning_summary } : {}),
    ...(merged.mcp_servers ? { mcpServers: merged.mcp_servers } : {}),
    ...(merged.answer_only_from_sources ? { answerOnlyFromSources: true as const } : {}),
    answerVisibility: isDm ? 'thread' : (merged.answer_visibility ?? 'thread'),
  };
}

/** How long a conversation here is remembered after its last message: `state.channels.<id>.ttl_days`, else `state.ttl_days`. */
export function threadTtlDays(file: FileConfig, channel: string): number {
  return file.state.channels[channel]?.ttl_days ?? file.state.ttl_days;
}
