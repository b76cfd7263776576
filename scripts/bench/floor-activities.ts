// The floor workflow's one activity: returns its input, so an Update that awaits it measures the
// activity round trip and nothing else.
export const floorActivities = {
  async echo(n: number): Promise<number> {
    return n;
  },
};

export type FloorActivities = typeof floorActivities;
