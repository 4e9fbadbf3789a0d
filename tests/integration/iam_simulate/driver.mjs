// The IAM oracle's driver: reads one JSON batch per line on stdin, answers one line on stdout.
// A batch is {"cases": [{principal, action, resource, account, context, policies}]}; the
// answer is {"results": [{result, ignored} | {error}]}, in the same order.
import { createInterface } from 'node:readline';
import { runSimulation } from '@cloud-copilot/iam-simulate';

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const batch = JSON.parse(line);
  const results = [];
  for (const each of batch.cases) {
    try {
      const outcome = await runSimulation({
        request: {
          principal: each.principal,
          action: each.action,
          resource: { resource: each.resource, accountId: each.account },
          contextVariables: each.context,
        },
        identityPolicies: each.policies.map((policy, index) => ({ name: `p${index}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      }, {});
      if (outcome.resultType === 'single') {
        results.push({ result: outcome.overallResult, ignored: outcome.result.ignoredContextKeys ?? [] });
      } else {
        results.push({ error: JSON.stringify(outcome.errors ?? outcome).slice(0, 1000) });
      }
    } catch (error) {
      results.push({ error: String(error).slice(0, 1000) });
    }
  }
  process.stdout.write(JSON.stringify({ results }) + '\n');
}
