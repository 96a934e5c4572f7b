/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_default: policies/default.yaml compiled in as policy_default_yaml[] (NUL-terminated,
 * the NUL not counted) and policy_default_yaml_len (see policy.h). The Makefile makes the
 * object depend on the YAML file; the path is relative to the top of the tree, where make runs.
 */
	.section .rodata.policy_default, "a"
	.globl policy_default_yaml
	.type policy_default_yaml, %object
	.balign 16
policy_default_yaml:
	.incbin "policies/default.yaml"
policy_default_yaml_end:
	.byte 0
	.size policy_default_yaml, . - policy_default_yaml

	.globl policy_default_yaml_len
	.type policy_default_yaml_len, %object
	.balign __SIZEOF_SIZE_T__
policy_default_yaml_len:
#if __SIZEOF_SIZE_T__ == 8
	.quad policy_default_yaml_end - policy_default_yaml
#else
	.long policy_default_yaml_end - policy_default_yaml
#endif
	.size policy_default_yaml_len, __SIZEOF_SIZE_T__

	.section .note.GNU-stack, "", %progbits
