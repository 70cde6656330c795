import Foundation
import PostgresNIO
import NIOSSL

/// Where the shared state lives and how to log in: `[state] database` read like
/// libpq reads a connection URI, with the standard `PG*` variables filling in what
/// the URL leaves out (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`). The password is never part of ``description``.
public struct DatabaseSettings: Sendable, CustomStringConvertible {
    /// libpq's `sslmode`, of which finews knows three degrees.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// A folder holding the server's Unix socket, when `host` is a path.
    public var socketFolder: String? { host.hasPrefix("/") ? host : nil }

    /// Reads `url` (`postgresql://user:password@host:port/dbname?sslmode=require`).
    /// - Parameters:
    ///   - password: from `[state] password_file`; wins over the URL's and `PGPASSWORD`.
    ///   - environment: the process environment, for the `PG*` variables.
    /// - Throws: ``ClusterError`` `.settings` naming what is wrong.
    public init(url: String, password: String? = nil, environment: [String: String]) throws(ClusterError) {
        guard let components = URLComponents(string: url),
              components.scheme == "postgresql" || components.scheme == "postgres" else {
            throw ClusterError(.settings, "[state] database is not a PostgreSQL URL; write it as "
                + "\"postgresql://user@host:5432/dbname\"")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "host", "port", "user", "password", "dbname", "application_name",
                                  "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw ClusterError(.settings, "[state] database: unknown parameter '\(unknown)'; finews reads "
                + known.sorted().joined(separator: ", "))
        }
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        let urlPassword = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var host = components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var path = components.percentEncodedPath
        if path.hasPrefix("/") { path.removeFirst() }
        let name = path.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }

        self.host = query["host"] ?? (host.isEmpty ? nil : host) ?? environment["PGHOST"] ?? "localhost"
        let portText = query["port"] ?? components.port.map(String.init) ?? environment["PGPORT"] ?? "5432"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ClusterError(.settings, "[state] database: port '\(portText)' is not a TCP port")
        }
        self.port = port
        self.username = query["user"] ?? user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        self.password = password ?? query["password"] ?? urlPassword ?? environment["PGPASSWORD"]
        self.database = query["dbname"] ?? name ?? environment["PGDATABASE"] ?? username
        let mode = query["sslmode"] ?? environment["PGSSLMODE"] ?? "prefer"
        switch mode {
        case "disable", "allow": tls = .disable
        case "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default:
            throw ClusterError(.settings, "[state] database: sslmode '\(mode)' is not one of disable, prefer, require, "
                + "verify-ca, verify-full")
        }
        // A server on this machine gets no TLS handshake to attempt unless asked.
        if query["sslmode"] == nil, environment["PGSSLMODE"] == nil,
           ["localhost", "127.0.0.1", "::1"].contains(self.host) || socketFolder != nil {
            tls = .disable
        }
    }

    /// `finews@db.internal:5432/finews`, without the password.
    public var description: String { "\(username)@\(host):\(port)/\(database)" }

    /// The client configuration, naming the connections `applicationName` (shown in
    /// `pg_stat_activity`, and how `finews status` finds the publisher).
    func clientConfiguration(applicationName: String) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let folder = socketFolder {
            configuration = .init(
                unixSocketPath: folder + "/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            let tlsSetting: PostgresClient.Configuration.TLS
            switch tls {
            case .disable: tlsSetting = .disable
            case .prefer: tlsSetting = .prefer(.makeClientConfiguration())
            case .require: tlsSetting = .require(.makeClientConfiguration())
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database,
                                  tls: tlsSetting)
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.maximumConnections = 8
        return configuration
    }

    /// The same settings for one connection of its own (the publisher's lock).
    func connectionConfiguration(applicationName: String) throws(ClusterError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let folder = socketFolder {
            configuration = .init(
                unixSocketPath: folder + "/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            let tlsSetting: PostgresConnection.Configuration.TLS
            switch tls {
            case .disable: tlsSetting = .disable
            case .prefer, .require:
                let context: NIOSSLContext
                do {
                    context = try NIOSSLContext(configuration: .makeClientConfiguration())
                } catch {
                    throw ClusterError(.connect, "cannot set up TLS for \(description): \(error)")
                }
                tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database,
                                  tls: tlsSetting)
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }
}
