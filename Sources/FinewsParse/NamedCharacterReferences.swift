/// HTML's named character references (`&nbsp;`, `&mdash;`, `&hellip;`, ...), which
/// feeds use freely although XML defines only five of them.
enum NamedCharacterReferences {
    /// The text a name stands for, or nil when HTML does not define the name.
    static func value(of name: String) -> String? {
        table[name]
    }

    /// Built once, on first use, from the generated table.
    private static let table: [String: String] = {
        var table: [String: String] = [:]
        table.reserveCapacity(2200)
        for line in htmlNamedReferenceTable.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let name = fields.first else { continue }
            var value = ""
            for code in fields.dropFirst() {
                guard let scalarValue = UInt32(code, radix: 16), let scalar = Unicode.Scalar(scalarValue) else { continue }
                value.unicodeScalars.append(scalar)
            }
            table[String(name)] = value
        }
        return table
    }()
}
