namespace Cndr.Core.Store;

/// <summary>Poll types (wire names <c>single_choice</c>, <c>multiple_choice</c>, <c>free_text</c>).</summary>
public enum PollType : byte
{
    SingleChoice = 1,
    MultipleChoice = 2,
    FreeText = 3,
}
