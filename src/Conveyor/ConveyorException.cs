namespace Conveyor;

/// <summary>Base of the errors Conveyor raises. Messages say what was wrong and what to do.</summary>
public class ConveyorException : Exception
{
    public ConveyorException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>An argument was outside what Conveyor accepts; the message names it and the allowed range.</summary>
public sealed class InvalidJobException : ConveyorException
{
    public InvalidJobException(string message) : base(message)
    {
    }
}
