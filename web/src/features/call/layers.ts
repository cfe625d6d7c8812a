/**
 * The camera's simulcast layers (api/websocket.md "Simulcast"): the SFU's
 * offer asks to receive the camera as rids `q`, `h` and `f` (quarter, half
 * and full resolution, lowest first). When a browser applies such an offer
 * the camera's sender gets one encoding per rid; this module says how each
 * is encoded. The SFU forwards one layer per subscriber, chosen from the
 * size of the tile the subscriber shows it in (`view` frames) and what its
 * link carries, so the bitrates below are the ladder it picks from.
 *
 * Screen shares are never simulcast: their m-line asks for one encoding.
 */

export interface LayerEncoding {
  scaleResolutionDownBy: number;
  /** Bits per second. */
  maxBitrate: number;
}

/**
 * The ladder for a 960×540 camera at up to 24 fps (peer.ts): 240×135 for
 * thumbnails and hidden tiles, 480×270 for a tile of a busy grid, 960×540
 * for a large one — rates near what the large SFUs use for those sizes.
 * 540p rather than 720p at the top: three encodings cost the sender's CPU
 * about 1.3 times the top one, and a tile rarely needs more.
 */
export const cameraLayers: Readonly<Record<string, LayerEncoding>> = {
  q: { scaleResolutionDownBy: 4, maxBitrate: 120_000 },
  h: { scaleResolutionDownBy: 2, maxBitrate: 350_000 },
  f: { scaleResolutionDownBy: 1, maxBitrate: 900_000 },
};

/** What this module reads and writes of an RTCRtpEncodingParameters. */
export interface EncodingLike {
  rid?: string;
  scaleResolutionDownBy?: number;
  maxBitrate?: number;
  active?: boolean;
}

/**
 * The sender's encodings with the camera ladder applied by rid, or null
 * when there is nothing to change (one encoding without rid — the offer
 * did not ask for simulcast — or the ladder is already set). Encodings of
 * unknown rids are left as they are.
 */
export function withCameraLayers<E extends EncodingLike>(encodings: readonly E[]): E[] | null {
  if (encodings.length < 2) return null;
  let changed = false;
  const out = encodings.map((e) => {
    const want = e.rid === undefined ? undefined : cameraLayers[e.rid];
    if (!want || (e.scaleResolutionDownBy === want.scaleResolutionDownBy && e.maxBitrate === want.maxBitrate && e.active !== false)) return e;
    changed = true;
    return { ...e, ...want, active: true };
  });
  return changed ? out : null;
}
