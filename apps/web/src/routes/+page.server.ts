import { ifOffered } from '#lib/api/expected-client';
import type { DeviceView } from '#lib/api/types';
import { serverApi } from '#lib/server/api';
import type { PageServerLoad } from './$types';

/** Registry pages fetched for the first paint; 5 x 5,000 devices is past any fleet we target. */
const MAX_PAGES = 5;

export const load: PageServerLoad = async (event) => {
  const { client, expected } = serverApi(event);
  const latest = ifOffered(expected.query('telemetry.latest', {}), []);
  const devices: DeviceView[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.devices.list.query({ limit: 5000, ...(after ? { after } : {}) });
    devices.push(...result.devices);
    if (result.nextAfter === null) break;
    after = result.nextAfter;
  }
  const readings = await latest;
  return { devices, latest: readings.value, missing: readings.missing };
};
