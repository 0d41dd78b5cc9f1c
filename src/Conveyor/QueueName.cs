namespace Conveyor;

/// <summary>Rules for queue names and job ids, checked before anything reaches Redis.</summary>
public static class QueueName
{
    /// <summary>The longest queue name accepted.</summary>
    public const int MaxLength = 100;

    /// <summary>The longest job id accepted.</summary>
    public const int MaxIdLength = 200;

    /// <summary>Throws <see cref="InvalidJobException"/> unless <paramref name="name"/> is 1–100 of letters, digits and <c>-_.:</c>.</summary>
    public static string Validate(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !name.All(IsNameChar))
        {
            throw new InvalidJobException(
                $"Queue name '{name}' is not valid: use 1 to {MaxLength} letters, digits and the characters - _ . : (for example 'emails' or 'video.encode').");
        }

        return name;
    }

    /// <summary>Throws <see cref="InvalidJobException"/> unless <paramref name="id"/> is 1–200 of letters, digits and <c>-_.:@/+=</c>.</summary>
    public static string ValidateJobId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength || !id.All(IsIdChar))
        {
            throw new InvalidJobException(
                $"Job id '{id}' is not valid: use 1 to {MaxIdLength} letters, digits and the characters - _ . : @ / + = (a GUID, a delivery id or a transaction id fits).");
        }

        return id;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':';

    private static bool IsIdChar(char c) => IsNameChar(c) || c is '@' or '/' or '+' or '=';
}
