import Testing
@testable import FinewsCluster

@Suite("[state] database URL and PG* variables")
struct DatabaseSettingsTests {
    @Test("a full URL gives every part, and the password is never printed")
    func fullURL() throws {
        let settings = try DatabaseSettings(
            url: "postgresql://finews:s%40cret@db.internal:6543/news?sslmode=require", environment: [:])
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6543)
        #expect(settings.username == "finews")
        #expect(settings.password == "s@cret")
        #expect(settings.database == "news")
        #expect(settings.tls == .require)
        #expect(settings.description == "finews@db.internal:6543/news")
        #expect(!settings.description.contains("cret"))
    }

    @Test("what the URL leaves out comes from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE")
    func environment() throws {
        let settings = try DatabaseSettings(url: "postgresql://", environment: [
            "PGHOST": "10.0.0.5", "PGPORT": "5433", "PGUSER": "feeds", "PGPASSWORD": "pw", "PGDATABASE": "site",
        ])
        #expect(settings.host == "10.0.0.5")
        #expect(settings.port == 5433)
        #expect(settings.username == "feeds")
        #expect(settings.password == "pw")
        #expect(settings.database == "site")
        #expect(settings.tls == .prefer)
    }

    @Test("password_file wins over the URL and PGPASSWORD")
    func passwordFile() throws {
        let settings = try DatabaseSettings(
            url: "postgresql://finews:fromurl@db/finews", password: "fromfile", environment: ["PGPASSWORD": "fromenv"])
        #expect(settings.password == "fromfile")
    }

    @Test("a local server is reached without TLS unless sslmode asks; the database defaults to the user")
    func localDefaults() throws {
        let settings = try DatabaseSettings(url: "postgresql://finews@127.0.0.1:5432", environment: [:])
        #expect(settings.tls == .disable)
        #expect(settings.database == "finews")
        let socket = try DatabaseSettings(url: "postgresql://finews@%2Frun%2Fpostgresql/finews", environment: [:])
        #expect(socket.socketFolder == "/run/postgresql")
    }

    @Test("bad URLs are refused with what to write", arguments: [
        "mysql://finews@db/finews", "postgresql://finews@db:99999/finews", "postgresql://db/finews?sslmode=maybe",
        "postgresql://db/finews?timeout=3",
    ])
    func refused(_ url: String) {
        #expect(throws: ClusterError.self) { try DatabaseSettings(url: url, environment: [:]) }
    }
}
