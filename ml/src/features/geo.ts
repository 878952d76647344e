const EARTH_RADIUS_M = 6_371_008.8;
/** Fastest plausible ground speed plus GPS slack; anything beyond is a teleport. */
const MAX_SPEED_MS = 100;
const SLACK_M = 50;
/** Consecutive implausible fixes after which the new position is accepted (the device did move). */
const ACCEPT_AFTER = 10;
/** Receive-time jitter floor so two messages arriving together do not imply infinite speed. */
const MIN_DT_S = 0.5;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The last trusted GPS fix. A fix is compared with it, not with the previous fix, so the return
 * from a teleport is not a second teleport.
 */
export class GpsTrack {
  private lat = Number.NaN;
  private lon = Number.NaN;
  private at = 0;
  private suspect = 0;

  /** Implied speed (m/s) from the trusted fix to this one, and whether it is implausible. */
  update(lat: number, lon: number, receivedAt: number): { speed: number; jump: boolean } {
    if (Number.isNaN(this.lat)) {
      this.trust(lat, lon, receivedAt);
      return { speed: 0, jump: false };
    }
    const dt = Math.max(MIN_DT_S, (receivedAt - this.at) / 1000);
    const metres = distanceMetres(this.lat, this.lon, lat, lon);
    const speed = metres / dt;
    if (metres <= SLACK_M + MAX_SPEED_MS * dt) {
      this.trust(lat, lon, receivedAt);
      return { speed, jump: false };
    }
    this.suspect += 1;
    if (this.suspect >= ACCEPT_AFTER) this.trust(lat, lon, receivedAt);
    return { speed, jump: true };
  }

  private trust(lat: number, lon: number, receivedAt: number): void {
    // A repeated fix (a hung GPS driver) is no new evidence of where the device is: keep the time
    // of the last real fix, so the position it jumps to when the driver recovers stays plausible.
    if (lat === this.lat && lon === this.lon) return;
    this.lat = lat;
    this.lon = lon;
    this.at = receivedAt;
    this.suspect = 0;
  }
}
