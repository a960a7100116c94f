// The large document of the scheduling tests, shared by test/protocol/scheduling.test.ts and schedulingClients.test.ts.

/** About 1.35 MB: 12,000 Services, the last on the seed cluster's node. */
export function services(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const ip = i === n - 1 ? '192.168.0.11' : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    out.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  namespace: team-${i % 7}\nspec:\n  externalIPs: [${ip}]\n  ports: [{port: 80}]\n`);
  }
  return out.join('---\n');
}
