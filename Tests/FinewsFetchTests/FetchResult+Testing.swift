import FinewsFetch

extension FetchResult {
    /// The document, when the fetch delivered one.
    var document: FetchedDocument? {
        if case .success(.fetched(let document)) = outcome { return document }
        return nil
    }

    /// The validators of a 304, when the server answered one.
    var notModified: Validators? {
        if case .success(.notModified(let validators)) = outcome { return validators }
        return nil
    }

    /// The error, when the fetch failed.
    var error: FetchError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }
}
