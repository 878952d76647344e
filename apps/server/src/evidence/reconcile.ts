/**
 * What a restarted server must check before anchoring: whether the chain still holds what the
 * database says it anchored. The embedded chain lives in memory, so after a restart it is a new,
 * empty chain — often with the new registry at the very same address, since the deployer and its
 * nonce are the same. Batches the chain no longer holds are marked lost and their anomalies
 * anchored again in new batches.
 */
import { findBatchId } from '@vigil/contracts/anchor';
import type { Logger } from '../log';
import type { EvidenceChain } from './chain';
import type { EvidenceStore } from './store';

/** Returns how many anomalies now wait to be anchored again. */
export async function reconcileRegistry(
  chain: EvidenceChain,
  store: EvidenceStore,
  log: Logger,
): Promise<number> {
  let requeued = 0;
  for (const address of await store.otherRegistriesOnChain()) {
    const code = await chain.publicClient.getCode({ address });
    if (code === undefined || code === '0x') {
      log.warn('an earlier registry has no code on this chain; its batches are lost', { address });
      requeued = await store.forgetRegistry(address);
    }
  }
  const root = await store.latestAnchoredRoot();
  if (
    root !== null &&
    (await findBatchId(chain.publicClient, chain.registry, root)) === undefined
  ) {
    log.warn('the registry does not hold its latest recorded batch (a new chain); re-anchoring', {
      registry: chain.registry,
      root,
    });
    requeued = await store.forgetRegistry(chain.registry);
  }
  return requeued;
}
