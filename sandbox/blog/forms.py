from django import forms

from .models import Comment


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["author_name", "body"]
        labels = {"author_name": "Your name", "body": "Comment"}
