/// One request the fake received (the token is not recorded).
package struct SheetsFakeRequestRecord: Sendable, Hashable {
    package var method: String
    /// The path with its segments percent-decoded, e.g. `/v4/spreadsheets/abc/values/'TikTok Ads'!A1:append`.
    package var path: String
    /// The operation name, e.g. `spreadsheets.get`, `values.append`, `values.batchUpdate`; `unknown` when unrouted.
    package var operation: String
    package var bodyBytes: Int
    package var status: Int
    /// Google counts GET as a read request and everything else as a write request.
    package var isWrite: Bool
}
