import Foundation

/// The advertiser authorisation portal (`https://business-api.tiktok.com/portal/auth`): on TikTok an advertiser logs in
/// and confirms; here the confirmation is immediate, and the browser is sent to the app's redirect URI with a fresh
/// one-time `auth_code` and the app's `state`, as TikTok sends it.
extension SimulatorCore {
    /// What the portal answers: a redirect to the app, or an error page.
    enum PortalAnswer: Equatable {
        case redirect(location: String)
        case refused(status: Int, message: String)
    }

    func authorize(query: String?) -> PortalAnswer {
        let params = QueryParameters(query: query)
        guard let appID = params["app_id"], !appID.isEmpty else {
            return .refused(status: 400, message: "The authorisation link has no app_id.")
        }
        guard appID == options.appId else {
            return .refused(status: 400, message: "No app with app_id \(appID) exists. Check the App ID in the developer portal.")
        }
        guard let redirect = params["redirect_uri"], let target = URLComponents(string: redirect),
              target.scheme == "http" || target.scheme == "https", target.host?.isEmpty == false
        else {
            return .refused(status: 400, message: "The authorisation link has no valid redirect_uri.")
        }
        if let registered = options.redirectURI, registered != redirect {
            return .refused(status: 400, message: "redirect_uri \(redirect) is not the redirect URI registered for this app (\(registered)).")
        }
        let code = oauth.issueCode(now: now())
        var location = target
        var items = location.queryItems ?? []
        items.append(URLQueryItem(name: "auth_code", value: code))
        items.append(URLQueryItem(name: "code", value: code))
        if let state = params["state"] { items.append(URLQueryItem(name: "state", value: state)) }
        location.queryItems = items
        // Percent-encode what URLComponents leaves alone in a query value but a server would split on.
        location.percentEncodedQuery = location.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return .redirect(location: location.string ?? redirect)
    }
}
