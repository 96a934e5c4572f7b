// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * yaml2json FILE: the single YAML document in FILE as JSON on stdout, for the schema check
 * (Python's standard library reads no YAML). Plain scalars are read as the policy parser reads
 * them: null ("", ~, null), true, false, decimal integers; everything else is a string.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static json_t *node_json(yaml_document_t *doc, yaml_node_t *n);

static json_t *scalar_json(yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_stringn(v, len);
	if (!len || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	    !strcmp(v, "NULL"))
		return json_null();
	if (!strcmp(v, "true") || !strcmp(v, "false"))
		return json_boolean(!strcmp(v, "true"));
	if (strspn(v, "0123456789") == len)
		return json_integer(strtoll(v, NULL, 10));
	return json_stringn(v, len);
}

static json_t *seq_json(yaml_document_t *doc, yaml_node_t *n)
{
	json_t *a = json_array();

	for (yaml_node_item_t *i = n->data.sequence.items.start;
	     a && i < n->data.sequence.items.top; i++)
		json_array_append_new(a, node_json(doc, yaml_document_get_node(doc, *i)));
	return a;
}

static json_t *map_json(yaml_document_t *doc, yaml_node_t *n)
{
	json_t *o = json_object();

	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     o && p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k->type != YAML_SCALAR_NODE)
			return NULL;
		json_object_set_new(o, (const char *)k->data.scalar.value,
				    node_json(doc, yaml_document_get_node(doc, p->value)));
	}
	return o;
}

static json_t *node_json(yaml_document_t *doc, yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return scalar_json(n);
	case YAML_SEQUENCE_NODE:
		return seq_json(doc, n);
	case YAML_MAPPING_NODE:
		return map_json(doc, n);
	default:
		return json_null();
	}
}

int main(int argc, char **argv)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	json_t *j = NULL;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: yaml2json FILE\n");
		return 2;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (yaml_parser_load(&parser, &doc) && yaml_document_get_root_node(&doc)) {
		j = node_json(&doc, yaml_document_get_root_node(&doc));
		yaml_document_delete(&doc);
	}
	if (!j)
		fprintf(stderr, "%s: cannot read: %s\n", argv[1],
			parser.problem ? parser.problem : "not one document");
	yaml_parser_delete(&parser);
	fclose(f);
	if (!j || json_dumpf(j, stdout, JSON_INDENT(1)) < 0)
		return 1;
	json_decref(j);
	return 0;
}
