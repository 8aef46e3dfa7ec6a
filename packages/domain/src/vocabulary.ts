import { z } from 'zod';

export const CHAT_TYPES = ['Discussion', 'Task', 'Bug', 'Epic'] as const;
export const ChatTypeSchema = z.enum(CHAT_TYPES);
export type ChatType = z.infer<typeof ChatTypeSchema>;

/** Chat types that carry a status, assignee, priority and due date. */
export const TRACKED_CHAT_TYPES = ['Task', 'Bug', 'Epic'] as const;
export const TrackedChatTypeSchema = z.enum(TRACKED_CHAT_TYPES);
export type TrackedChatType = z.infer<typeof TrackedChatTypeSchema>;

export function isTrackedChatType(type: ChatType): type is TrackedChatType {
  return (TRACKED_CHAT_TYPES as readonly string[]).includes(type);
}

/** Lowest first, so the index orders a board. */
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const PrioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof PrioritySchema>;

/** Least severe first. */
export const SEVERITIES = ['trivial', 'minor', 'major', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;
