// Every rule, in the order their findings are listed.
import type { Rule } from './rule';
import { externalIPInvalid } from './externalip-invalid';
import { externalIPSpecial } from './externalip-special';
import { externalIPNoncanonical } from './externalip-noncanonical';
import { externalIPApiServer } from './externalip-apiserver';
import { externalIPNode } from './externalip-node';
import { externalIPDuplicate } from './externalip-duplicate';
import { externalIPCriticalPort } from './externalip-critical-port';
import { externalIPIgnored } from './externalip-ignored';
import { loadBalancerIngressNode } from './loadbalancer-ingress-node';
import { loadBalancerIPNode } from './loadbalancer-ip-node';
import { loadBalancerIPNoncanonical } from './loadbalancer-ip-noncanonical';
import { loadBalancerIngressInvalid } from './loadbalancer-ingress-invalid';
import { externalIPServiceCIDR } from './externalip-service-cidr';
import { externalIPPodCIDR } from './externalip-pod-cidr';
import { externalIPPortClash } from './externalip-port-clash';
import { ipPoolNode } from './ippool-node';
import { externalIPDeprecated } from './externalip-deprecated';
import { loadBalancerAnnotationNode } from './loadbalancer-annotation-node';
import { addressInvalid } from './address-invalid';
import { metallbL2StrictARP } from './metallb-l2-strictarp';
import { kubeVipArpStrictARP } from './kube-vip-arp-strictarp';

export const RULES: readonly Rule[] = [
  externalIPApiServer,
  externalIPNode,
  externalIPCriticalPort,
  externalIPInvalid,
  externalIPSpecial,
  externalIPNoncanonical,
  externalIPDuplicate,
  externalIPServiceCIDR,
  externalIPPodCIDR,
  externalIPPortClash,
  externalIPIgnored,
  loadBalancerIngressNode,
  loadBalancerIPNode,
  loadBalancerIngressInvalid,
  loadBalancerIPNoncanonical,
  loadBalancerAnnotationNode,
  ipPoolNode,
  addressInvalid,
  metallbL2StrictARP,
  kubeVipArpStrictARP,
  externalIPDeprecated,
];

/** Findings that are not rules of the domain but of reading the file. */
export const META_RULES = {
  'yaml-syntax': { summary: 'the YAML of a document Kube IP Guard checks does not parse', severity: 'error' },
  'analysis-limit': { summary: 'part of a file was not checked because of a size, nesting or alias/merge-key limit', severity: 'info' },
} as const;

export const RULE_IDS: readonly string[] = [...RULES.map((r) => r.id), ...Object.keys(META_RULES)];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
