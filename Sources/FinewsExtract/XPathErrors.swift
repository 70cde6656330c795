import CLibXML2

/// Words for libxml2's XPath error codes. libxml2 2.9 records the code of an
/// XPath error in the context's `lastError` but leaves its message empty when a
/// context error handler is set, so the reason is told here.
enum XPathErrors {
    /// A short reason for the XPath error `code` (an `xmlParserErrors` value).
    static func reason(forCode code: Int32) -> String {
        switch UInt32(bitPattern: code) {
        case XML_XPATH_NUMBER_ERROR.rawValue: "a number is malformed"
        case XML_XPATH_UNFINISHED_LITERAL_ERROR.rawValue: "a quoted string is not closed"
        case XML_XPATH_START_LITERAL_ERROR.rawValue: "a quoted string was expected"
        case XML_XPATH_VARIABLE_REF_ERROR.rawValue: "a variable name is malformed"
        case XML_XPATH_UNDEF_VARIABLE_ERROR.rawValue: "it uses a variable, and finews defines none"
        case XML_XPATH_INVALID_PREDICATE_ERROR.rawValue: "a predicate [...] is not closed or not valid"
        case XML_XPATH_EXPR_ERROR.rawValue: "the expression is malformed"
        case XML_XPATH_UNCLOSED_ERROR.rawValue: "a bracket or parenthesis is not closed"
        case XML_XPATH_UNKNOWN_FUNC_ERROR.rawValue: "it calls a function XPath 1.0 does not have"
        case XML_XPATH_INVALID_OPERAND.rawValue: "an operand has the wrong type"
        case XML_XPATH_INVALID_TYPE.rawValue: "a value has the wrong type (a node set was expected?)"
        case XML_XPATH_INVALID_ARITY.rawValue: "a function is called with the wrong number of arguments"
        case XML_XPATH_MEMORY_ERROR.rawValue: "libxml2 ran out of memory"
        case XML_XPATH_UNDEF_PREFIX_ERROR.rawValue: "it uses a namespace prefix, and HTML pages have none"
        case XML_XPATH_ENCODING_ERROR.rawValue: "the expression is not valid UTF-8"
        case XML_XPATH_INVALID_CHAR_ERROR.rawValue: "it holds a character XPath does not allow"
        default: "libxml2 error \(code)"
        }
    }
}
