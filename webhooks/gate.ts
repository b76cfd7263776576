// The worker's in-process admission for delivery attempts: at most `perEndpoint` in flight to one endpoint
// and `perOwner` to one account's endpoints together, so a member whose receivers hang holds a bounded
// share of the delivery slots and every other account's deliveries keep theirs. An attempt that is not
// admitted is not queued here (that would hold a slot while it waits): it is retried a little later.
export interface DeliveryGate {
  /** A release function, or null when the endpoint or its owner has its share in flight already. */
  tryEnter(endpointId: string, ownerId: string, endpointCap: number): (() => void) | null;
}

export function createDeliveryGate(perOwner: number): DeliveryGate {
  const byEndpoint = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string, d: number) => {
    const n = (m.get(k) ?? 0) + d;
    if (n <= 0) m.delete(k);
    else m.set(k, n);
  };
  return {
    tryEnter(endpointId, ownerId, endpointCap) {
      if ((byEndpoint.get(endpointId) ?? 0) >= endpointCap || (byOwner.get(ownerId) ?? 0) >= perOwner) return null;
      bump(byEndpoint, endpointId, 1);
      bump(byOwner, ownerId, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        bump(byEndpoint, endpointId, -1);
        bump(byOwner, ownerId, -1);
      };
    },
  };
}
