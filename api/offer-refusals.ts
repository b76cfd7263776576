// R30 on an ended contract: an offer's command to an offer that was declined, withdrawn or expired says
// how it closed (409 OFFER_CLOSED with `offerState`), rather than only that the contract ended. The
// contract's workflow has completed by then, so the answer comes from the read model.
import type { Db } from '../db/client.js';
import { OFFER_COMMANDS, type Offer } from '../domain/offers.js';
import { HttpProblem } from './problem.js';

export async function closedOfferRefusal(db: Db, contractId: string, type: string): Promise<HttpProblem | undefined> {
  if (!(OFFER_COMMANDS as readonly string[]).includes(type)) return undefined;
  const row = await db.contract.findUnique({ where: { id: contractId }, select: { offer: true } });
  const offer = row?.offer as Offer | null | undefined;
  if (!offer || offer.state === 'pending' || offer.state === 'accepted') return undefined;
  return new HttpProblem(409, 'OFFER_CLOSED', 'Offer closed',
    `the offer was ${offer.state} at ${offer.decidedAt}; everything deposited went back to the client`, 'R30', undefined, undefined,
    { offerState: offer.state });
}
