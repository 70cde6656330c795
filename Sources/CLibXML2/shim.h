#ifndef FINEWS_CLIBXML2_SHIM_H
#define FINEWS_CLIBXML2_SHIM_H

/*
 * Debian builds libxml2 with ICU, and <libxml/encoding.h> then includes ICU's
 * headers, whose UErrorCode clashes with the copy Foundation carries. finews
 * never uses libxml2's ICU converters (it decodes to UTF-8 itself), so the ICU
 * part of the headers is switched off before anything else is included.
 */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/entities.h>
#include <libxml/HTMLparser.h>

#endif
