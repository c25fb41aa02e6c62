import type { ResponseInputItem } from 'openai/resources/responses/responses';
import type { ThreadItem } from '../store/types.js';

/** Maps stored thread items to Responses API input items, in order. */
export function toResponsesInput(items: readonly ThreadItem[]): ResponseInputItem[] {
  return items.map((item): ResponseInputItem => {
    switch (item.type) {
      case 'user':
        return { type: 'message', role: 'user', content: [{ type: 'input_text', text: `${item.userName}: ${item.text}` }] };
      case 'assistant':
        return { type: 'message', role: 'assistant', content: item.text };
      case 'function_call':
        return { type: 'function_call', call_id: item.callId, name: item.name, arguments: item.arguments };
      case 'function_call_output':
        return { type: 'function_call_output', call_id: item.callId, output: item.output };
    }
  });
}
