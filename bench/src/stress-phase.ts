/**
 * Where the stress run is, for the watchdog's message: a hang then says which step never
 * finished and what was still in flight, so it can be reproduced and traced.
 */
export const stressPhase = {
  name: 'starting',
  detail: (): string => '',
};

export function enterPhase(name: string, detail: () => string = () => ''): void {
  stressPhase.name = name;
  stressPhase.detail = detail;
}
