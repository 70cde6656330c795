import FinewsConfig
import FinewsStore

extension RefreshError {
    /// A failure of the state database, worded for `config`: a damaged database
    /// names the `finews repair` command that rebuilds it from the site.
    init(state error: StoreError, config: Config) {
        self.init(.state, error.withRepairAdvice(config: config.file.path))
    }
}
