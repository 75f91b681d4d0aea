import { describe, expect, test } from 'vitest';
import { canBuild, place, type PlacedNode } from '@dockwright/engine';

const nodes = (count: number, platforms: readonly string[] = ['linux/amd64', 'linux/386']): PlacedNode[] =>
  Array.from({ length: count }, (_, i) => ({ address: `tcp://node${i}:1234`, platforms, up: true, running: 0 }));
const images = Array.from({ length: 200 }, (_, i) => `image${i}`);

describe('placement on a fleet', () => {
  test('an image goes to the same node every time; images spread over the nodes', () => {
    const fleet = nodes(4);
    const first = images.map((image) => place(fleet, image, undefined, 4).node?.address);
    expect(images.map((image) => place(fleet, image, undefined, 4).node?.address)).toEqual(first);
    const counts = new Map<string, number>();
    for (const address of first) counts.set(address!, (counts.get(address!) ?? 0) + 1);
    expect(counts.size).toBe(4);
    for (const count of counts.values()) expect(count).toBeGreaterThan(20); // 50 each on average
  });

  test('a node that goes down moves only its own images', () => {
    const fleet = nodes(5);
    const before = new Map(images.map((image) => [image, place(fleet, image, undefined, 4).node!.address]));
    fleet[2]!.up = false;
    for (const image of images) {
      const now = place(fleet, image, undefined, 4).node!.address;
      if (before.get(image) !== 'tcp://node2:1234') expect(now).toBe(before.get(image));
      else expect(now).not.toBe('tcp://node2:1234');
    }
  });

  test('its own node full: the least loaded one with a free slot; all full: wait', () => {
    const fleet = nodes(3);
    const own = place(fleet, 'api', undefined, 2).node!;
    own.running = 2;
    const others = fleet.filter((n) => n !== own);
    others[0]!.running = 1;
    expect(place(fleet, 'api', undefined, 2).node).toBe(others[1]);
    for (const n of fleet) n.running = 2;
    expect(place(fleet, 'api', undefined, 2)).toEqual({ node: undefined, reason: 'full' });
  });

  test('only nodes that list the platform, every platform of a list; none: said so', () => {
    const fleet = [...nodes(1, ['linux/amd64']), { address: 'tcp://arm:1234', platforms: ['linux/arm64/v8'], up: true, running: 0 }];
    expect(place(fleet, 'api', 'linux/arm64', 4).node?.address).toBe('tcp://arm:1234');
    expect(place(fleet, 'api', 'linux/amd64/v1', 4).node?.address).toBe('tcp://node0:1234');
    expect(place(fleet, 'api', 'linux/amd64,linux/arm64', 4)).toEqual({ node: undefined, reason: 'none' });
    expect(canBuild({ platforms: ['linux/amd64', 'linux/386'] }, 'linux/amd64, linux/386')).toBe(true);
    expect(canBuild({ platforms: ['linux/amd64'] }, 'windows/amd64')).toBe(false);
  });
});
