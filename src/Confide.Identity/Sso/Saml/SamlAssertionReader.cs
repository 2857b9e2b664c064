using System.Xml;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// Checks and reads a verified Assertion. It reads only from the element it is given (the one the
/// signature covered), never by searching the document again.
/// </summary>
internal static class SamlAssertionReader
{
    public static SamlAssertion Read(XmlElement assertion, SamlValidationContext context)
    {
        var now = context.Time.GetUtcNow();
        var skew = context.ClockSkew;
        if (assertion.AttributeOrNull("Version") != "2.0")
        {
            throw new SamlException(SamlFailure.Malformed, "The Assertion is not SAML 2.0.");
        }

        var issuer = assertion.SingleChild(SamlNames.Assertion, "Issuer")?.Text();
        if (issuer != context.IdentityProvider.EntityId)
        {
            throw new SamlException(SamlFailure.WrongIssuer, "The Assertion's Issuer is not the configured IdP.");
        }

        var conditionsEnd = CheckConditions(assertion, context, now, skew);
        var subject = assertion.SingleChild(SamlNames.Assertion, "Subject")
            ?? throw new SamlException(SamlFailure.MissingNameId, "The Assertion has no Subject.");
        var nameId = subject.SingleChild(SamlNames.Assertion, "NameID");
        var nameIdValue = nameId?.Text();
        if (nameId is null || string.IsNullOrEmpty(nameIdValue))
        {
            throw new SamlException(SamlFailure.MissingNameId, "The Subject has no NameID.");
        }

        var confirmationEnd = CheckBearerConfirmation(subject, context, now, skew);
        var authn = assertion.Children(SamlNames.Assertion, "AuthnStatement").FirstOrDefault()
            ?? throw new SamlException(SamlFailure.Malformed, "The Assertion has no AuthnStatement.");

        var notOnOrAfter = conditionsEnd is { } end && end < confirmationEnd ? end : confirmationEnd;
        return new SamlAssertion(
            AssertionId: assertion.GetAttribute("ID"),
            Issuer: issuer,
            NameId: nameIdValue,
            NameIdFormat: nameId.AttributeOrNull("Format"),
            SessionIndex: authn.AttributeOrNull("SessionIndex"),
            Attributes: ReadAttributes(assertion),
            NotOnOrAfter: notOnOrAfter,
            // Saturated: a signed assertion may claim to last until the end of the calendar.
            KeepForReplayUntil: notOnOrAfter > DateTimeOffset.MaxValue - skew ? DateTimeOffset.MaxValue : notOnOrAfter + skew);
    }

    private static DateTimeOffset? CheckConditions(XmlElement assertion, SamlValidationContext context, DateTimeOffset now, TimeSpan skew)
    {
        var conditions = assertion.SingleChild(SamlNames.Assertion, "Conditions")
            ?? throw new SamlException(SamlFailure.WrongAudience, "The Assertion has no Conditions, so no audience restriction.");

        if (conditions.UtcTimeOrNull("NotBefore") is { } notBefore && now + skew < notBefore)
        {
            throw new SamlException(SamlFailure.NotYetValid, "The Assertion is not valid yet.");
        }

        var notOnOrAfter = conditions.UtcTimeOrNull("NotOnOrAfter");
        if (notOnOrAfter is { } end && now - skew >= end)
        {
            throw new SamlException(SamlFailure.Expired, "The Assertion has expired.");
        }

        // Each AudienceRestriction must name this SP (SAML core 2.5.1.4); at least one is required.
        var restrictions = conditions.Children(SamlNames.Assertion, "AudienceRestriction").ToList();
        if (restrictions.Count == 0
            || !restrictions.All(r => r.Children(SamlNames.Assertion, "Audience").Any(a => a.Text() == context.ServiceProvider.EntityId)))
        {
            throw new SamlException(SamlFailure.WrongAudience, "The Assertion is not addressed to this service provider.");
        }

        return notOnOrAfter;
    }

    /// <summary>A bearer confirmation for this ACS, this request and now (SAML profiles 4.1.4.2); returns its NotOnOrAfter.</summary>
    private static DateTimeOffset CheckBearerConfirmation(XmlElement subject, SamlValidationContext context, DateTimeOffset now, TimeSpan skew)
    {
        SamlException? failure = null;
        foreach (var confirmation in subject.Children(SamlNames.Assertion, "SubjectConfirmation"))
        {
            if (confirmation.AttributeOrNull("Method") != SamlNames.BearerMethod)
            {
                continue;
            }

            var data = confirmation.SingleChild(SamlNames.Assertion, "SubjectConfirmationData");
            failure = data is null
                ? new SamlException(SamlFailure.WrongRecipient, "The bearer confirmation has no SubjectConfirmationData.")
                : CheckConfirmationData(data, context, now, skew);
            if (failure is null)
            {
                return data!.UtcTimeOrNull("NotOnOrAfter")!.Value;
            }
        }

        throw failure ?? new SamlException(SamlFailure.NoBearerConfirmation, "The Subject has no bearer SubjectConfirmation.");
    }

    private static SamlException? CheckConfirmationData(XmlElement data, SamlValidationContext context, DateTimeOffset now, TimeSpan skew)
    {
        if (!Urls.Same(data.AttributeOrNull("Recipient"), context.ServiceProvider.AssertionConsumerServiceUrl))
        {
            return new SamlException(SamlFailure.WrongRecipient, "The bearer confirmation's Recipient is not this service provider's ACS URL.");
        }

        if (data.UtcTimeOrNull("NotOnOrAfter") is not { } notOnOrAfter || now - skew >= notOnOrAfter)
        {
            return new SamlException(SamlFailure.ConfirmationExpired, "The bearer confirmation has no NotOnOrAfter or it has passed.");
        }

        if (data.UtcTimeOrNull("NotBefore") is { } notBefore && now + skew < notBefore)
        {
            return new SamlException(SamlFailure.NotYetValid, "The bearer confirmation is not valid yet.");
        }

        return data.AttributeOrNull("InResponseTo") == context.ExpectedInResponseTo
            ? null
            : new SamlException(SamlFailure.WrongInResponseTo, "The bearer confirmation answers a different request.");
    }

    private static Dictionary<string, IReadOnlyList<string>> ReadAttributes(XmlElement assertion)
    {
        var attributes = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var statement in assertion.Children(SamlNames.Assertion, "AttributeStatement"))
        {
            foreach (var attribute in statement.Children(SamlNames.Assertion, "Attribute"))
            {
                if (attribute.AttributeOrNull("Name") is not { Length: > 0 } name)
                {
                    continue;
                }

                if (!attributes.TryGetValue(name, out var values))
                {
                    attributes[name] = values = [];
                }

                // Structured values (for example a NameID inside eduPersonTargetedID) are skipped; text values are kept.
                values.AddRange(attribute.Children(SamlNames.Assertion, "AttributeValue")
                    .Where(value => !value.ChildNodes.OfType<XmlElement>().Any())
                    .Select(value => value.Text()));
            }
        }

        return attributes.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value, StringComparer.Ordinal);
    }
}
