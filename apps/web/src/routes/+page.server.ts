import type { VigilClient } from '#lib/api/client';
import type { DeviceView } from '#lib/api/types';
import { serverApi } from '#lib/server/api';
import { openAlerts, tileSnapshots } from '#lib/server/fleet-snapshot';
import type { PageServerLoad } from './$types';

/** Registry pages fetched for the first paint; 5 x 5,000 devices is past any fleet we target. */
const MAX_PAGES = 5;
/** Newest anomalies scanned for unacknowledged ones, so Danger shows on first paint. */
const OPEN_ALERT_SCAN = 500;

async function allDevices(client: VigilClient): Promise<DeviceView[]> {
  const devices: DeviceView[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.devices.list.query({ limit: 5000, ...(after ? { after } : {}) });
    devices.push(...result.devices);
    if (result.nextAfter === null) break;
    after = result.nextAfter;
  }
  return devices;
}

export const load: PageServerLoad = async (event) => {
  const { client } = serverApi(event);
  // Together, so a failure of either is awaited (never an unhandled rejection).
  const [devices, states, recentAnomalies, latest] = await Promise.all([
    allDevices(client),
    client.devices.states.query(),
    client.anomalies.list.query({ limit: OPEN_ALERT_SCAN }),
    client.telemetry.latest.query(),
  ]);
  return {
    tiles: tileSnapshots(devices, states, latest),
    openAlerts: openAlerts(recentAnomalies.anomalies),
  };
};
