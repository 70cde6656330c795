import GRDB

extension StoreError {
    /// The error for a state-database call that failed: `.damaged` when SQLite says
    /// the file is damaged (SQLite error 11, `SQLITE_CORRUPT`, or 26, `SQLITE_NOTADB`:
    /// a truncated or overwritten file), which no retry can fix; `.state` otherwise.
    /// - Parameters:
    ///   - what: what was being done, for the `.state` message (`cannot read the state database`).
    ///   - database: the database file's path, for the `.damaged` message.
    static func state(_ what: String, _ error: any Error, database: String) -> StoreError {
        if let problem = damage(in: error) {
            return StoreError(.damaged, "the state database \(database) is damaged (\(problem))", underlying: error)
        }
        return StoreError(.state, "\(what): \(error)", underlying: error)
    }

    /// `SQLite error 11: database disk image is malformed` when `error` reports a
    /// damaged database file; nil for any other error.
    static func damage(in error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        let fallback: String
        switch error.resultCode {
        case .SQLITE_CORRUPT: fallback = "database disk image is malformed"
        case .SQLITE_NOTADB: fallback = "file is not a database"
        default: return nil
        }
        let text = error.message.flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        return "SQLite error \(error.resultCode.rawValue): \(text)"
    }

    /// The message with what to do about it: for a damaged state database, the
    /// `finews repair` command that rebuilds it, with the configuration file `config`.
    public func withRepairAdvice(config: String) -> String {
        guard code == .damaged else { return message }
        return message + "; run 'finews repair --config \(config)' to rebuild it from the site"
    }
}
