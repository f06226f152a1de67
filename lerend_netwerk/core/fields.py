"""Form fields shared by features."""

from wtforms import SelectMultipleField, widgets


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes: usable by keyboard and on a phone."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
