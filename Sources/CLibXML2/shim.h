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
#include <libxml/HTMLtree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

/*
 * XPath evaluation reports most errors through the context's structured handler,
 * but a call to an unknown function is also printed with xmlGenericError (a
 * variadic function pointer, which Swift cannot provide). The wrappers below
 * silence that printer for the calling thread during the call only and restore
 * it afterwards; libxml2 keeps the generic handler per thread.
 */
static inline void finews_xml_silent_error(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

static inline xmlXPathObjectPtr finews_xpath_eval_quietly(xmlXPathCompExprPtr compiled, xmlXPathContextPtr context) {
    xmlGenericErrorFunc savedHandler = xmlGenericError;
    void *savedContext = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, finews_xml_silent_error);
    xmlXPathObjectPtr result = xmlXPathCompiledEval(compiled, context);
    xmlSetGenericErrorFunc(savedContext, savedHandler);
    return result;
}

static inline xmlXPathCompExprPtr finews_xpath_compile_quietly(xmlXPathContextPtr context, const xmlChar *expression) {
    xmlGenericErrorFunc savedHandler = xmlGenericError;
    void *savedContext = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, finews_xml_silent_error);
    xmlXPathCompExprPtr result = xmlXPathCtxtCompile(context, expression);
    xmlSetGenericErrorFunc(savedContext, savedHandler);
    return result;
}

#endif
