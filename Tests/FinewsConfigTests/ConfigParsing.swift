@testable import FinewsConfig
import Foundation

/// What the feeds.conf suites share: parse a text as if it were the file at
/// `configFile`, or list the problems it has, each as `feeds.conf:LINE: message`.
protocol ConfigParsing {
    var configFile: URL { get }
}

extension ConfigParsing {
    func parse(_ text: String) throws(ConfigError) -> Config {
        try Config.parse(text, file: configFile, displayName: "feeds.conf")
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }
}
