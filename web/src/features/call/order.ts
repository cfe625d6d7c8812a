/**
 * The order of the camera tiles: stable, so that people stay where the
 * user last saw them, except that the active speaker (the SFU's `speaker`
 * frames) is always on the first page. A speaker already there does not
 * move; one who is not swaps places with the tile of the first page whose
 * participant spoke least recently (never: the oldest of all), so that one
 * frame moves at most two tiles and nobody else shifts. The pinned tile
 * (this client's own) never leaves the first place.
 *
 * Newcomers are added at the end; a participant who leaves is removed and
 * the tiles after them close the gap.
 */
export class TileOrder {
  private order: string[] = [];
  private readonly spoke = new Map<string, number>();
  private lastSpeaker: string | null = null;
  private tick = 0;

  /**
   * The tiles to show, in order. `keys` are the tiles now (in join order);
   * `firstPage` is how many tiles the first page shows.
   */
  arrange(keys: readonly string[], speaker: string | null, firstPage: number, pinned: string | null = null): string[] {
    const present = new Set(keys);
    const kept = this.order.filter((k) => present.has(k));
    const known = new Set(kept);
    for (const k of keys) if (!known.has(k)) kept.push(k);
    for (const k of this.spoke.keys()) if (!present.has(k)) this.spoke.delete(k);
    if (pinned !== null && present.has(pinned) && kept[0] !== pinned) {
      kept.splice(kept.indexOf(pinned), 1);
      kept.unshift(pinned);
    }
    if (speaker !== null && speaker !== this.lastSpeaker) {
      this.lastSpeaker = speaker;
      this.spoke.set(speaker, ++this.tick);
    }
    const at = speaker === null ? -1 : kept.indexOf(speaker);
    const page = Math.max(1, Math.floor(firstPage));
    if (at >= page) {
      let victim = -1;
      let oldest = Infinity;
      // Ties (never spoke) go to the last of them on the page: the early tiles stay put.
      for (let i = 0; i < Math.min(page, kept.length); i++) {
        const k = kept[i] as string;
        if (k === pinned) continue;
        const t = this.spoke.get(k) ?? 0;
        if (t <= oldest) {
          oldest = t;
          victim = i;
        }
      }
      if (victim >= 0) {
        const v = kept[victim] as string;
        kept[victim] = kept[at] as string;
        kept[at] = v;
      }
    }
    this.order = kept;
    return [...kept];
  }
}
