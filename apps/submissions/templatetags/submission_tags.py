from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template."""
    return mapping.get(key, "") if mapping else ""


@register.filter
def get_item_label(form, name):
    """The label of a form field by name."""
    field = form.fields.get(name)
    return field.label if field is not None and field.label else name
