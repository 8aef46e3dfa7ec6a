/**
 * What message commands need to know about a chat. `Chat` implements it; a caller that keeps
 * participants in a read model can build one with `participantDirectory`.
 */
export interface ParticipantDirectory {
  readonly id: string;
  isParticipant(userId: string): boolean;
}

export function participantDirectory(
  chatId: string,
  participantIds: Iterable<string>,
): ParticipantDirectory {
  const participants = new Set(participantIds);
  return { id: chatId, isParticipant: (userId) => participants.has(userId) };
}
